/**
 * Cross-check of the project's E-divisive detector (src/analysis/change-points.ts) against Apache Otava
 * 0.8.0 itself (venv made by scripts/fixtures/setup.mjs; Python runs only here, never in the action).
 * Seeded series from __tests__/helpers/series.ts: steps of 1–5 noise SD at several positions and lengths
 * (up to 120 entries: more than two of Otava's 50-entry windows), linear drifts and single outliers.
 */
import { spawnSync } from 'node:child_process'
import { findChangePoints, type ChangePointOptions } from '../../../src/analysis/change-points.js'
import { describeIfFixture } from '../helpers/fixtures.js'
import { crossCheckSet, noise } from '../../helpers/series.js'

interface OtavaPoint {
  index: number
  pValue: number
  magnitude: number
}

function otava(python: string, script: string, options: ChangePointOptions, series: number[][]): OtavaPoint[][] {
  const r = spawnSync(python, [script], {
    input: JSON.stringify({ ...options, series }),
    encoding: 'utf8',
    timeout: 120_000
  })
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr}`)
  const out = JSON.parse(r.stdout) as { otava: string; changePoints: OtavaPoint[][] }
  expect(out.otava).toBe('0.8.0')
  return out.changePoints
}

/** Every index of `a` has one in `b` within ±1, and the other way round. */
function sameWithinOne(a: readonly number[], b: readonly number[]): boolean {
  const covered = (xs: readonly number[], ys: readonly number[]) =>
    xs.every((x) => ys.some((y) => Math.abs(x - y) <= 1))
  return covered(a, b) && covered(b, a)
}

describeIfFixture('otava', 'change points: the project’s detector vs Apache Otava 0.8.0', (paths) => {
  const python = paths.python as string
  const script = paths.script as string
  const set = crossCheckSet()

  test.each([
    ['Otava’s defaults (p 0.001, no minimum effect)', { maxPValue: 0.001, minMagnitude: 0, windowLength: 50 }],
    ['a minimum effect of 2 % (the project’s default)', { maxPValue: 0.001, minMagnitude: 0.02, windowLength: 50 }],
    ['p 0.01, window 30', { maxPValue: 0.01, minMagnitude: 0, windowLength: 30 }]
  ])('%s: the same change points within ±1 entry for every step ≥ 3 SD', (_name, options) => {
    const theirs = otava(
      python,
      script,
      options,
      set.map((s) => s.values)
    )
    const disagreements: string[] = []
    let agreeAll = 0
    let stepsAtLeast3 = 0
    let stepsFoundByOtava = 0
    set.forEach((s, k) => {
      const mine = findChangePoints(s.values, options).map((c) => c.index)
      const ref = theirs[k].map((c) => c.index)
      const same = sameWithinOne(mine, ref)
      if (same) agreeAll++
      if (!same) disagreements.push(`${s.name}: project [${mine.join(', ')}], Otava [${ref.join(', ')}]`)
      if (s.sds >= 3) {
        if (ref.some((i) => Math.abs(i - (s.step as number)) <= 1)) stepsFoundByOtava++
        stepsAtLeast3++
        expect({ series: s.name, mine, ref, same }).toEqual({ series: s.name, mine, ref, same: true })
      }
    })
    // Below 3 SD, drifts and outliers: reported, and most must still agree (Otava's quirks aside).
    if (disagreements.length > 0) console.warn(`disagreements (${disagreements.length}):\n${disagreements.join('\n')}`)
    expect(agreeAll).toBeGreaterThanOrEqual(Math.ceil(0.9 * set.length))
    // Otava must itself find most of these steps, else agreement would prove little.
    expect(stepsFoundByOtava).toBeGreaterThanOrEqual(Math.ceil(0.9 * stepsAtLeast3))
  })

  test('pure noise: Otava and the project agree on 200 seeded series, the project clean in ≥ 95 %', () => {
    const options = { maxPValue: 0.001, minMagnitude: 0, windowLength: 50 }
    const series = Array.from({ length: 200 }, (_, k) => noise(5000 + k, 20 + (k % 5) * 20))
    const theirs = otava(python, script, options, series)
    let clean = 0
    let agree = 0
    series.forEach((values, k) => {
      const mine = findChangePoints(values, options).map((c) => c.index)
      if (mine.length === 0) clean++
      if (
        sameWithinOne(
          mine,
          theirs[k].map((c) => c.index)
        )
      )
        agree++
    })
    expect(clean).toBeGreaterThanOrEqual(190)
    expect(agree).toBeGreaterThanOrEqual(190)
  })
})
