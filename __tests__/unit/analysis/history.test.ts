import { compareWithHistory, MIN_HISTORY_RUNS } from '../../../src/analysis/history.js'
import { decideAtLook } from '../../../src/analysis/decide.js'
import { planLooks } from '../../../src/analysis/sequential.js'
import { REF } from './reference-values.js'

const H = REF.history
const runs = H.data.runs as unknown as number[][]
const current = H.data.current as unknown as number[]

test('random-effects comparison with a 5-run history matches the hand computation (SciPy t)', () => {
  const r = compareWithHistory(current, runs, 'lower-is-better', 0.05, 0.95)
  expect(r.runs).toBe(5)
  expect(r.df).toBe(H.df)
  expect(r.betweenRunSd).toBeCloseTo(H.betweenRunSd, 13)
  expect(r.se).toBeCloseTo(H.se, 13)
  expect(r.overhead).toBeCloseTo(Math.expm1(H.logDiff), 12)
  expect(r.pFail).toBeCloseTo(H.pFail, 8)
  expect(r.pPass).toBeCloseTo(H.pPass, 8)
  expect(Math.log1p(r.ciHigh)).toBeCloseTo(H.logDiff + H.half95, 8)
  expect(r.cannotFail).toBeUndefined()
})

test('QPS orientation: a lower current QPS is a positive overhead', () => {
  const r = compareWithHistory(
    [900, 905, 895, 900],
    [
      [1000, 1001, 999],
      [1010, 1008, 1012],
      [990, 991, 989]
    ],
    'higher-is-better',
    0.05,
    0.95
  )
  expect(r.overhead).toBeCloseTo(0.1, 2)
})

test(`below ${MIN_HISTORY_RUNS} stored runs a stored comparison is INCONCLUSIVE: it can neither FAIL nor PASS`, () => {
  const design = planLooks({ rounds: 8, maxRounds: 8, confidence: 0.95, gatedComparisons: 1 })
  const huge = current.map((v) => v * 3)
  for (const k of [1, 2]) {
    const r = decideAtLook(
      [
        {
          kind: 'history',
          id: 'p99',
          direction: 'lower-is-better',
          budget: 0.05,
          current: huge,
          history: runs.slice(0, k)
        }
      ],
      0,
      design
    )
    expect(r.verdicts[0].pFail).toBeLessThan(0.01)
    expect(r.verdicts[0].decision).toBe('inconclusive')
    expect(r.verdicts[0].cannotFail).toMatch(new RegExp(`stored history has ${k} run`))
    expect(r.verdicts[0].cannotPass).toMatch(new RegExp(`stored history has ${k} run.*can pass or fail`))
  }
  // …and a clean, precise legacy single run cannot PASS either: one run says nothing of the run-to-run
  // spread (simulated at the budget with runs 2 % apart, PASS in 19 % of runs against 2.5 % nominal).
  const legacy = [[1000, 1001, 999, 1000, 1002, 998, 1000, 1001]]
  const pass = decideAtLook(
    [
      {
        kind: 'history',
        id: 'p99',
        direction: 'lower-is-better',
        budget: 0.05,
        current: legacy[0].map((v) => v + 1),
        history: legacy
      }
    ],
    0,
    design
  )
  expect(pass.verdicts[0].pPass).toBeLessThan(0.001)
  expect(pass.verdicts[0].decision).toBe('inconclusive')
})

test('a 0-QPS round or a non-finite stored value is a named error', () => {
  expect(() => compareWithHistory([100, 101, 0], runs, 'higher-is-better', 0.05, 0.95)).toThrow(
    /current run round 2: value must be a positive finite number, got 0/
  )
  expect(() =>
    compareWithHistory(
      [100, 101, 99],
      [
        [100, 100, 100],
        [100, Infinity, 100]
      ],
      'higher-is-better',
      0.05,
      0.95
    )
  ).toThrow(/stored run 1 round 1: value must be a positive finite number, got Infinity/)
  expect(() => compareWithHistory([100, 101, 99], [], 'higher-is-better', 0.05, 0.95)).toThrow(/needs at least one run/)
})
