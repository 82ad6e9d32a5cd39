import { welchTTest, welchInterval, twoSamplePermutationTest, compareUnpaired } from '../../src/stats/unpaired.js'

// Reference values from SciPy 1.17 (scipy.stats.ttest_ind(equal_var=False), its confidence_interval)
// and an exact itertools.combinations permutation test in Python, computed for these QPS samples:
const a = [9100, 8950, 9210, 8890, 9050, 9150].map(Math.log)
const b = [9500, 9420, 9610, 9380, 9550, 9470, 9490].map(Math.log)

describe('Welch t-test vs SciPy', () => {
  test('two-sided statistic, df and p', () => {
    const r = welchTTest(a, b, 0, 'two-sided')
    expect(r.t).toBeCloseTo(-7.416307768939262, 9)
    expect(r.df).toBeCloseTo(7.977453189162125, 9)
    expect(r.p / 7.611897738773149e-5).toBeCloseTo(1, 6)
  })
  test('95% interval of the difference of means', () => {
    const [lo, hi] = welchInterval(a, b, 0.95)
    expect(lo).toBeCloseTo(-0.06089928413533033, 9)
    expect(hi).toBeCloseTo(-0.031999425713828605, 9)
  })
  test('one-sided against a shifted null (2% QPS budget)', () => {
    expect(welchTTest(a, b, Math.log(0.98), 'less').p / 0.0015270508357019786).toBeCloseTo(1, 6)
  })
  test('degenerate samples give NaN, not a verdict', () => {
    expect(welchTTest([1], b, 0, 'two-sided').p).toBeNaN()
    expect(welchTTest([1, 1], [1, 1], 0, 'two-sided').p).toBeNaN()
  })
})

describe('exact two-sample permutation test vs Python', () => {
  test('one-sided shifted and two-sided', () => {
    expect(twoSamplePermutationTest(a, b, Math.log(0.98), 'less')).toBeCloseTo(0.0011655011655011655, 12)
    expect(twoSamplePermutationTest(a, b, 0, 'two-sided')).toBeCloseTo(0.0005827505827505828, 12)
  })
  test('identical samples are not significant', () => {
    expect(twoSamplePermutationTest(b, b, 0, 'two-sided')).toBe(1)
  })
  test('large samples use the seeded Monte Carlo and are deterministic', () => {
    const x = Array.from({ length: 15 }, (_, i) => Math.log(9000 + ((i * 37) % 11) * 20))
    const y = Array.from({ length: 15 }, (_, i) => Math.log(9400 + ((i * 53) % 13) * 20))
    const p1 = twoSamplePermutationTest(x, y, 0, 'less')
    expect(p1).toBe(twoSamplePermutationTest(x, y, 0, 'less'))
    expect(p1).toBeLessThan(0.001)
    expect(p1).toBeGreaterThan(0)
  })
})

describe('compareUnpaired', () => {
  test('a slower head than the stored base is a positive QPS regression with its interval', () => {
    const c = compareUnpaired(a, b, 'off', 'stored:off', 'qps', { confidence: 0.95, budget: 0.02 })
    expect(c.paired).toBe(false)
    expect(c.kind).toBe('regression')
    expect(c.n).toBe(6)
    expect(c.nRef).toBe(7)
    expect(c.overhead).toBeGreaterThan(0.03)
    expect(c.ciLow).toBeCloseTo(1 - Math.exp(-0.031999425713828605), 9)
    expect(c.ciHigh).toBeCloseTo(1 - Math.exp(-0.06089928413533033), 9)
    // pFail is the max of the Welch and permutation one-sided p-values.
    expect(c.pFail).toBeCloseTo(0.0015270508357019786, 8)
  })
})
