import { decideAtLook, type GatedComparison, type LookResult } from '../../../src/analysis/decide.js'
import { planLooks, sequentialStep, type SequentialDesign } from '../../../src/analysis/sequential.js'
import { mulberry32 } from '../../../src/stats/prng.js'

const fixed = (k: number, rounds = 8): SequentialDesign =>
  planLooks({ rounds, maxRounds: rounds, confidence: 0.95, gatedComparisons: k })
const qps = (id: string, armOverRef: number[]): GatedComparison => ({
  kind: 'paired',
  id,
  direction: 'higher-is-better',
  budget: 0.05,
  logRatios: armOverRef.map((r) => Math.log(r))
})
/** Per-block ratios arm/ref from QPS values, the way pairedLogRatios computes them. */
const ratios = (ref: number[], arm: number[]): number[] => ref.map((r, i) => arm[i] / r)

describe('crafted cases', () => {
  test('identical blocks go through the sign test and Holm: 7 of 8 beyond the budget is not enough with 4 gated', () => {
    // Zero trimmed spread: P(Bin(8, ½) ≥ 7) = 9/256 ≈ 0.035 > 0.025/4 — no shortcut to FAIL.
    const flat = qps('qps@1', [0.5, 0.5, 0.5, 0.96, 0.5, 0.5, 0.5, 0.5])
    const fine = ['p99@1', 'qps@0.1', 'p99@0.1'].map((id) => qps(id, [0.99, 1.0, 0.995, 1.01, 0.99, 1.0, 1.005, 0.998]))
    const r = decideAtLook([flat, ...fine], 0, fixed(4))
    expect(r.verdicts[0].pFail).toBeCloseTo(9 / 256, 12)
    expect(r.verdicts[0].decision).toBe('inconclusive')
    // All 8 beyond: 2^-8 ≈ 0.0039 ≤ 0.00625 → FAIL at the first Holm step.
    const all = qps('qps@1', Array(8).fill(0.5))
    expect(decideAtLook([all, ...fine], 0, fixed(4)).verdicts[0].decision).toBe('fail')
  })

  test('QPS loss ≈ 50 % in 7 blocks and 4 % in one, budget 5 %, 4 gated comparisons → FAIL (v1: INCONCLUSIVE)', () => {
    const bad = qps('qps@1', [0.5, 0.502, 0.499, 0.96, 0.501, 0.498, 0.5005, 0.4995])
    const fine = ['p99@1', 'qps@0.1', 'p99@0.1'].map((id) => qps(id, [0.99, 1.0, 0.995, 1.01, 0.99, 1.0, 1.005, 0.998]))
    const r = decideAtLook([bad, ...fine], 0, fixed(4))
    expect(r.verdicts[0].decision).toBe('fail')
    expect(r.verdicts[0].overhead).toBeCloseTo(0.5, 2)
    expect(r.verdicts.slice(1).map((v) => v.decision)).toEqual(['pass', 'pass', 'pass'])
    // Under the default looks it is decided at the first one, too.
    const seq = decideAtLook(
      [bad, ...fine],
      0,
      planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 4 })
    )
    expect(seq.verdicts[0].decision).toBe('fail')
    expect(seq.stop).toBe(true)
  })

  test('a measured overhead ≥ 3× budget with per-block noise ≤ budget/3 FAILs at the first look (4 gated, seeded)', () => {
    const rand = mulberry32(42)
    const design = planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 4 })
    let checked = 0
    for (let i = 0; i < 300; i++) {
      const budget = [0.01, 0.05, 0.1][i % 3]
      const lowerIsBetter = i % 2 === 0
      // Uniform noise of SD budget/3 in overhead units around an overhead of 3.05× the budget.
      const over = Array.from(
        { length: 8 },
        () => 3.05 * budget + (rand() - 0.5) * 2 * Math.sqrt(3) * (budget / 3) * 0.98
      )
      const mean = over.reduce((s, x) => s + x, 0) / 8
      const sd = Math.sqrt(over.reduce((s, x) => s + (x - mean) ** 2, 0) / 7)
      if (!(mean >= 3 * budget && sd <= budget / 3)) continue
      checked++
      const logRatios = over.map((o) => (lowerIsBetter ? Math.log1p(o) : Math.log1p(-o)))
      const c: GatedComparison = {
        kind: 'paired',
        id: 'x',
        direction: lowerIsBetter ? 'lower-is-better' : 'higher-is-better',
        budget,
        logRatios
      }
      const others = [1, 2, 3].map((j): GatedComparison => ({ ...c, id: `y${j}`, logRatios: logRatios.map(() => 0) }))
      expect(decideAtLook([c, ...others], 0, design).verdicts[0].decision).toBe('fail')
    }
    expect(checked).toBeGreaterThan(100)
  })
})

describe('edge cases', () => {
  test('exactly at the budget with zero spread PASSes (QPS and P99, despite rounding)', () => {
    const ref = [10000, 9990, 10120, 9875, 10010, 9950, 10040, 9930]
    const qpsAt = qps(
      'qps',
      ratios(
        ref,
        ref.map((r) => r * 0.95)
      )
    )
    const p99At: GatedComparison = {
      kind: 'paired',
      id: 'p99',
      direction: 'lower-is-better',
      budget: 0.05,
      logRatios: ref.map((r) => Math.log((r * 1.05) / r))
    }
    const r = decideAtLook([qpsAt, p99At], 0, fixed(2))
    expect(r.verdicts.map((v) => v.decision)).toEqual(['pass', 'pass'])
  })

  test('just beyond the budget with zero spread FAILs', () => {
    const r = decideAtLook([qps('qps', Array(8).fill(0.9499))], 0, fixed(1))
    expect(r.verdicts[0].decision).toBe('fail')
  })

  test('n = 2 with zero spread does not PASS', () => {
    const r = decideAtLook(
      [qps('qps', [1, 1])],
      0,
      planLooks({ rounds: 2, maxRounds: 2, confidence: 0.95, gatedComparisons: 1 })
    )
    expect(r.verdicts[0].decision).toBe('inconclusive')
  })

  test('a 0 or non-finite value gives a named error, not a NaN verdict', () => {
    expect(() => decideAtLook([qps('qps', [1, 0.99, 0, 1.01])], 0, fixed(1, 4))).toThrow(
      /log-ratio of block 2 must be finite .*got -Infinity/
    )
    const bad: GatedComparison = {
      kind: 'paired',
      id: 'p99',
      direction: 'lower-is-better',
      budget: 0.05,
      logRatios: [0.01, NaN, 0.02, 0.01]
    }
    expect(() => decideAtLook([bad], 0, fixed(1, 4))).toThrow(/block 1 must be finite .*got NaN/)
    const hist: GatedComparison = {
      kind: 'history',
      id: 'qps',
      direction: 'higher-is-better',
      budget: 0.05,
      current: [100, 0, 101],
      history: [[100, 99, 101]]
    }
    expect(() => decideAtLook([hist], 0, fixed(1, 3))).toThrow(
      /current run round 1: value must be a positive finite number, got 0/
    )
  })

  test('budget out of range is named', () => {
    expect(() => decideAtLook([{ ...qps('qps', [1, 1, 1]), budget: 1 }], 0, fixed(1, 3))).toThrow(
      /budget of a higher-is-better metric must be a fraction in \[0, 1\), got 1/
    )
  })
})

describe('sequential step', () => {
  const design = planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 3 })

  test('default plan: looks at 8, 16, 24; Holm levels grow as comparisons fail; PASS at α/2 spent by Pocock', () => {
    expect(design.looks).toEqual([8, 16, 24])
    for (let j = 0; j < 3; j++) {
      expect(design.failLevels[0][j]).toBeLessThan(design.failLevels[1][j])
      expect(design.failLevels[1][j]).toBeLessThan(design.failLevels[2][j])
      expect(design.passLevels[j]).toBeCloseTo(design.failLevels[2][j], 12)
    }
    // Pocock: nominal levels are nearly equal, far above the O'Brien–Fleming first look.
    const of = planLooks({
      rounds: 8,
      maxRounds: 24,
      confidence: 0.95,
      gatedComparisons: 3,
      failSpending: 'obrien-fleming'
    })
    expect(design.failLevels[0][0]).toBeGreaterThan(10 * of.failLevels[0][0])
  })

  test('a look the time budget made final early keeps the earlier levels, ends the design and spends the α left', () => {
    const cut = planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 3, finalAt: 14 })
    expect(cut.looks).toEqual([8, 14])
    for (let r = 0; r < 3; r++) {
      expect(cut.failLevels[r][0]).toBeCloseTo(design.failLevels[r][0], 12)
      // More α left to spend than the plan gave the look at 16: a higher nominal level.
      expect(cut.failLevels[r][1]).toBeGreaterThan(design.failLevels[r][1])
    }
    expect(cut.passLevels[0]).toBeCloseTo(design.passLevels[0], 12)
    // The first look itself made final: the fixed one-look test at the full α.
    const first = planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 1, finalAt: 8 })
    expect(first.looks).toEqual([8])
    expect(first.passLevels[0]).toBeCloseTo(0.025, 10)
    for (const bad of [1, 25, 8.5]) {
      expect(() =>
        planLooks({ rounds: 8, maxRounds: 24, confidence: 0.95, gatedComparisons: 1, finalAt: bad })
      ).toThrow(`a look made final early must be at 2 to 24 blocks, got ${bad}`)
    }
  })

  test('Holm step-down within a look: a clear FAIL frees α for the next', () => {
    const [l0, l1] = [design.failLevels[0][0], design.failLevels[1][0]]
    const mid = (l0 + l1) / 2
    const r = sequentialStep(
      [
        { pFail: l0 / 10, pPass: 1 },
        { pFail: mid, pPass: 1 },
        { pFail: 0.5, pPass: 0.5 }
      ],
      0,
      design
    )
    expect(r.states.map((s) => s.decision)).toEqual(['fail', 'fail', 'undecided'])
    expect(r.stop).toBe(false)
    // Without the clear one, `mid` is not enough at level α/2/3.
    expect(
      sequentialStep(
        [
          { pFail: 0.5, pPass: 0.5 },
          { pFail: mid, pPass: 1 },
          { pFail: 0.5, pPass: 0.5 }
        ],
        0,
        design
      ).states[1].decision
    ).toBe('undecided')
  })

  test('decisions are frozen, cannotFail never fails, the last look turns open ones inconclusive', () => {
    const first = sequentialStep(
      [
        { pFail: 1, pPass: 0 },
        { pFail: 0, pPass: 1, cannotFail: 'short history' },
        { pFail: 0.3, pPass: 0.3 }
      ],
      0,
      design
    )
    expect(first.states.map((s) => s.decision)).toEqual(['pass', 'undecided', 'undecided'])
    const last = sequentialStep(
      [
        { pFail: 0, pPass: 1 },
        { pFail: 0, pPass: 1, cannotFail: 'short history' },
        { pFail: 0.3, pPass: 0.3 }
      ],
      2,
      design,
      first.states
    )
    expect(last.states.map((s) => s.decision)).toEqual(['pass', 'inconclusive', 'inconclusive'])
    expect(last.states[0].decidedAtLook).toBe(0)
    expect(last.stop).toBe(true)
  })

  test('decideAtLook: stop reasons, frozen verdicts and the repeated interval matching PASS', () => {
    const rand = mulberry32(7)
    const clearPass = Array.from({ length: 24 }, () => 1 + 0.002 * (rand() - 0.5))
    const borderline = Array.from({ length: 24 }, () => 0.95 + 0.05 * (rand() - 0.5))
    const comps = (n: number): GatedComparison[] => [
      qps('a', clearPass.slice(0, n)),
      qps('b', borderline.slice(0, n)),
      qps('c', clearPass.slice(0, n))
    ]
    let r: LookResult | undefined
    const reasons: string[] = []
    for (let j = 0; j < 3; j++) {
      r = decideAtLook(comps(design.looks[j]), j, design, r)
      reasons.push(r.reason)
      if (r.stop) break
    }
    expect(r!.verdicts[0].decision).toBe('pass')
    expect(r!.verdicts[0].decidedAtLook).toBe(0)
    expect(r!.verdicts[0].ciHigh).toBeLessThanOrEqual(0.05)
    expect(reasons[0]).toMatch(
      /^look 1 of 3 after 8 blocks: 1 of 3 gated comparisons undecided .* → continue to 16 blocks$/
    )
    expect(reasons[reasons.length - 1]).toMatch(/→ stop$/)
    expect(() => decideAtLook(comps(8), 1, design)).not.toThrow()
    expect(() => decideAtLook(comps(8), 2, design, r)).toThrow(/previous result is of look/)
  })

  test('final: true ends early; open comparisons become INCONCLUSIVE', () => {
    const r = decideAtLook(
      [
        qps('a', [0.95, 0.9, 1.0, 0.96, 0.94, 0.93, 0.97, 0.95]),
        qps('b', Array(8).fill(1)),
        qps('c', Array(8).fill(1))
      ],
      0,
      design,
      undefined,
      { final: true }
    )
    expect(r.verdicts[0].decision).toBe('inconclusive')
    expect(r.stop).toBe(true)
    expect(r.reason).toMatch(/stopped before the planned last look/)
  })
})
