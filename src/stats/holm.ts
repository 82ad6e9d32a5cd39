/**
 * Holm–Bonferroni adjusted p-values, in input order: sort ascending, p_(i)·(m − i) (i from 0),
 * running maximum so the adjusted values keep the order of the raw ones, capped at 1.
 * Reject H_i at family level α iff adjusted_i ≤ α. Throws on a value outside [0, 1] or NaN.
 */
export function holm(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holm: p-value ${i} must be in [0, 1], got ${p}`)
  })
  const m = pValues.length
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b)
  const adjusted = new Array<number>(m)
  let running = 0
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]))
    adjusted[idx] = running
  })
  return adjusted
}
