/**
 * The whole rule on seeded simulated datasets (budget 5 %, alpha 0.05): clear overheads fail, tight small
 * ones pass, A/A calibration. Split from stats.test.ts so the unit lane runs its Monte Carlo beside the rest.
 */
import { describe, expect, test } from '@jest/globals'
import { compare, decide } from '../../../src/analysis/analyse.js'
import type { MetricName } from '../../../src/types.js'
import { normals, roundsFromLogRatios } from './helpers.js'

const BUDGET = 0.05

describe('gate outcomes on simulated datasets (budget 5%, alpha 0.05)', () => {
  const gate = (d: number[], metric: MetricName = 'qps', budget = BUDGET) =>
    decide([compare(roundsFromLogRatios(d), 'on@0.01', 'off', metric, { confidence: 0.95, budget })], {
      alpha: 0.05,
      onInconclusive: 'warn'
    })

  test('a clear 10% QPS overhead fails', () => {
    const rand = normals(1)
    const d = Array.from({ length: 8 }, () => Math.log(0.9) + 0.01 * rand())
    const g = gate(d)
    expect(g.comparisons[0].overhead).toBeGreaterThan(0.08)
    expect(g.verdict).toBe('fail')
    expect(g.failCheck).toBe(true)
  })

  test('a clear 10% P99 overhead fails', () => {
    const rand = normals(2)
    expect(
      gate(
        Array.from({ length: 8 }, () => Math.log(1.1) + 0.01 * rand()),
        'p99'
      ).verdict
    ).toBe('fail')
  })

  test('a 1% overhead with tight noise passes', () => {
    const rand = normals(3)
    const g = gate(Array.from({ length: 8 }, () => Math.log(0.99) + 0.005 * rand()))
    expect(g.comparisons[0].ciHigh).toBeLessThanOrEqual(BUDGET)
    expect(g.verdict).toBe('pass')
    expect(g.failCheck).toBe(false)
  })

  test('A/A (mean 0, sd 3%) against a 5% budget never fails over 500 seeded experiments', () => {
    const rand = normals(4)
    const counts = { pass: 0, fail: 0, inconclusive: 0 }
    for (let k = 0; k < 500; k++) {
      counts[gate(Array.from({ length: 8 }, () => 0.03 * rand())).verdict]++
    }
    expect(counts.fail).toBe(0)
    // Most A/A runs should also be decided as pass at this noise level, so the test can tell a broken gate.
    expect(counts.pass).toBeGreaterThan(400)
  })

  test('calibration: 2000 A/A experiments, n=8, sd 5%, budget 0 → FAIL rate in [1%, 3.5%] (nominal α/2 = 2.5%)', () => {
    const rand = normals(20240521)
    let fails = 0
    const runs = 2000
    for (let k = 0; k < runs; k++) {
      const d = Array.from({ length: 8 }, () => 0.05 * rand())
      if (gate(d, 'qps', 0).verdict === 'fail') fails++
    }
    const rate = fails / runs
    expect(rate).toBeGreaterThanOrEqual(0.01)
    expect(rate).toBeLessThanOrEqual(0.035)
  })
})
