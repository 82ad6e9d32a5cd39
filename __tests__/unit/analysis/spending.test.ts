import { alphaSpent, crossingProbability, efficacyBoundaries } from '../../../src/analysis/spending.js'
import { normCdf, normQuantile, normSf } from '../../../src/analysis/normal.js'
import { REF } from './reference-values.js'

test('normal CDF and quantile round-trip with tail precision', () => {
  expect(normCdf(1.959963984540054)).toBeCloseTo(0.975, 14)
  expect(normSf(6) / 9.865876450376946e-10).toBeCloseTo(1, 12)
  expect(normSf(-1)).toBeCloseTo(0.8413447460685429, 14)
  for (const p of [1e-10, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999999])
    expect(normCdf(normQuantile(p)) / p).toBeCloseTo(1, 10)
})

test("Lan–DeMets O'Brien–Fleming bounds, 3 equal looks at one-sided 0.025: gsDesign's 3.7103, 2.5114, 1.9930", () => {
  const b = efficacyBoundaries([1 / 3, 2 / 3, 1], 0.025, 'obrien-fleming')
  expect(b[0]).toBeCloseTo(3.7103, 3)
  expect(b[1]).toBeCloseTo(2.5114, 3)
  expect(b[2]).toBeCloseTo(1.993, 3)
})

test('crossing probabilities of given bounds match SciPy multivariate normal', () => {
  for (const ref of [REF.crossingOf, REF.crossingPk]) {
    ref.cumulative.forEach((p, j) => {
      const got = crossingProbability(ref.fractions.slice(0, j + 1), ref.bounds.slice(0, j + 1), 0)
      expect(Math.abs(got - p)).toBeLessThan(2e-6)
    })
  }
})

test('every design spends exactly its planned cumulative alpha at each look', () => {
  for (const d of Object.values(REF.spending)) {
    const bounds = efficacyBoundaries(d.fractions, d.alpha, d.fn as 'pocock' | 'obrien-fleming')
    d.cumulative.forEach((spent, j) => {
      expect(alphaSpent(d.fn as 'pocock' | 'obrien-fleming', d.alpha, d.fractions[j])).toBeCloseTo(spent, 14)
      const got = crossingProbability(d.fractions.slice(0, j + 1), bounds.slice(0, j + 1), 0)
      expect(Math.abs(got / spent - 1)).toBeLessThan(1e-5)
    })
  }
})

test('one look is the fixed-sample test; power grows with drift', () => {
  expect(efficacyBoundaries([1], 0.025, 'pocock')[0]).toBeCloseTo(1.959963984540054, 8)
  const b = efficacyBoundaries([0.5, 1], 0.025, 'pocock')
  expect(crossingProbability([0.5, 1], b, 3)).toBeGreaterThan(crossingProbability([0.5, 1], b, 2))
})

test('inconsistent plans are rejected by name', () => {
  expect(() => efficacyBoundaries([0.5, 0.4, 1], 0.025, 'pocock')).toThrow(/must increase/)
  expect(() => efficacyBoundaries([0.5, 0.9], 0.025, 'pocock')).toThrow(/last information fraction must be 1/)
  expect(() => alphaSpent('linear' as 'pocock', 0.025, 0.5)).toThrow(/unknown spending function 'linear'/)
})

test('a look made final early spends all the α left: earlier bounds unchanged, the level is exactly α', () => {
  for (const fn of ['pocock', 'obrien-fleming'] as const) {
    const planned = efficacyBoundaries([8 / 24, 16 / 24, 1], 0.025, fn)
    const cut = efficacyBoundaries([8 / 24, 14 / 24], 0.025, fn, { finalSpendsAll: true })
    expect(cut[0]).toBeCloseTo(planned[0], 10)
    expect(Math.abs(crossingProbability([8 / 24, 14 / 24], cut, 0) / 0.025 - 1)).toBeLessThan(1e-5)
    // Spending what is left makes the cut look easier to cross than the planned spending at 14/24 would.
    expect(cut[1]).toBeLessThan(efficacyBoundaries([8 / 24, 14 / 24, 1], 0.025, fn)[1])
  }
  expect(() => efficacyBoundaries([8 / 24, 14 / 24], 0.025, 'pocock')).toThrow(/last information fraction must be 1/)
})
