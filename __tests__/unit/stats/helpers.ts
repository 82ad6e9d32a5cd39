import { mulberry32 } from '../../../src/stats/prng.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

/** A round whose QPS and P99 (µs) are both `value`: the same numbers test both metrics. */
export function round(block: number, armId: string, value: number, order = 0): RoundResult {
  return makeRound({ block, armId, order, qps: value, p99Us: value, durationSec: 10 })
}

/** Rounds of a reference arm and a traced arm, one pair per block (blocks 0…n−1). */
export function pairRounds(
  ref: readonly number[],
  arm: readonly number[],
  armId = 'on@0.01',
  refId = 'off'
): RoundResult[] {
  return ref.flatMap((r, b) => [round(b, refId, r, 0), round(b, armId, arm[b], 1)])
}

/** Rounds whose per-block log-ratio ln(arm/ref) is exactly-ish `d[b]` (ref fixed at 1000). */
export function roundsFromLogRatios(d: readonly number[], armId = 'on@0.01', refId = 'off'): RoundResult[] {
  return pairRounds(
    d.map(() => 1000),
    d.map((x) => 1000 * Math.exp(x)),
    armId,
    refId
  )
}

/** Seeded standard-normal generator (Box–Muller over mulberry32). */
export function normals(seed: number): () => number {
  const rand = mulberry32(seed)
  return () => {
    const u = 1 - rand() // (0, 1], keeps log finite
    const v = rand()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

/** expect-style relative comparison: |a − b| ≤ rel·max(|a|, |b|) (plus a tiny absolute floor). */
export function expectRel(actual: number, expected: number, rel = 1e-9): void {
  const tol = rel * Math.max(Math.abs(actual), Math.abs(expected)) + 1e-300
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${actual} to be within relative ${rel} of ${expected}`)
  }
}
