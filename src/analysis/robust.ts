/**
 * The robust location behind every gated decision: the 20 % trimmed mean with the Tukey–McLaughlin
 * standard error (winsorized variance), i.e. Yuen's (1974) one-sample trimmed t. It estimates the
 * typical block — one burst in eight blocks is trimmed away instead of dragging a mean.
 */

/** Fraction trimmed from each end (g = ⌊0.2·n⌋ values per side: 1 of 8, 2 of 10, 4 of 24). */
export const TRIM = 0.2

/** Trimmed mean, its standard error and the degrees of freedom of Yuen's t (h − 1, h = n − 2g). */
export interface TrimmedLocation {
  n: number
  /** Values trimmed from each end. */
  g: number
  estimate: number
  /** √(Σ(w − w̄)² / (h(h − 1))), w the winsorized sample (scipy's `ttest_ind(trim=…)` form); NaN when h < 2. */
  se: number
  df: number
}

/**
 * Yuen's trimmed location of `x` with `trim` cut from each end. Throws a named error on a
 * non-finite value (the caller checks for positive raw values before taking logs).
 */
export function trimmedLocation(x: readonly number[], trim: number = TRIM, what = 'value'): TrimmedLocation {
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), got ${trim}`)
  x.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`${what} ${i} must be a finite number, got ${String(v)}`)
  })
  const n = x.length
  if (n === 0) return { n, g: 0, estimate: NaN, se: NaN, df: NaN }
  const s = [...x].sort((a, b) => a - b)
  const g = Math.floor(trim * n)
  const h = n - 2 * g
  let sum = 0
  for (let i = g; i < n - g; i++) sum += s[i]
  const estimate = sum / h
  if (h < 2) return { n, g, estimate, se: NaN, df: h - 1 }
  const lo = s[g]
  const hi = s[n - g - 1]
  let wSum = 0
  for (const v of s) wSum += Math.min(hi, Math.max(lo, v))
  const wMean = wSum / n
  let ss = 0
  for (const v of s) ss += (Math.min(hi, Math.max(lo, v)) - wMean) ** 2
  // All winsorized values equal → exactly 0, not a rounding residue.
  const se = lo === hi ? 0 : Math.sqrt(ss / (h * (h - 1)))
  return { n, g, estimate, se, df: h - 1 }
}
