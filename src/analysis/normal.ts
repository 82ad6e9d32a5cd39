/**
 * Standard normal CDF and quantile, used for the group-sequential boundaries (which live on the
 * z scale). Student's t comes from src/stats/distributions.ts; the normal is kept here so that the
 * boundaries do not depend on a t implementation evaluated at df = ∞.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI)
// Lexical bindings for the hot paths: under a vm context (jest) each global lookup is an interceptor call.
const { exp, abs } = Math
const INF = Number.POSITIVE_INFINITY

/** Standard normal density. */
export function normPdf(x: number): number {
  return exp(-0.5 * x * x) / SQRT_2PI
}

/**
 * Upper tail Q(x) = 1 − Φ(x) with full relative precision in the tail: Marsaglia's Taylor series
 * of Φ around 0 for |x| < 3 (absolute error ~1e-16), Laplace's continued fraction beyond.
 */
export function normSf(x: number): number {
  if (x !== x) return x
  if (x === INF) return 0
  if (x === -INF) return 1
  if (abs(x) < 3) {
    let sum = x
    let term = x
    const x2 = x * x
    for (let i = 3; i < 200; i += 2) {
      term *= x2 / i
      const next = sum + term
      if (next === sum) break
      sum = next
    }
    return 0.5 - normPdf(x) * sum
  }
  if (x < 0) return 1 - normSf(-x)
  // Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), evaluated bottom-up (converges fast for x ≥ 3).
  let f = x
  for (let k = 60; k >= 1; k--) f = x + k / f
  return normPdf(x) / f
}

/** Standard normal CDF Φ(x). */
export function normCdf(x: number): number {
  return x < 0 ? normSf(-x) : 1 - normSf(x)
}

/**
 * Quantile Φ⁻¹(p): Acklam's rational approximation refined by two Halley steps on normSf
 * (relative error near machine precision). Throws on p outside (0, 1).
 */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity
    if (p === 1) return Infinity
    throw new RangeError(`normal quantile: p must be in [0, 1], got ${p}`)
  }
  let x = acklam(p)
  for (let i = 0; i < 2; i++) {
    // Work with the smaller tail so that p near 1 keeps its precision.
    const e = p < 0.5 ? normCdf(x) - p : 1 - p - normSf(x)
    const u = e * SQRT_2PI * Math.exp(0.5 * x * x)
    x = x - u / (1 + 0.5 * x * u)
  }
  return x
}

function acklam(p: number): number {
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239
  ]
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783
  ]
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
  const pLow = 0.02425
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    )
  }
  if (p > 1 - pLow) return -acklam(1 - p)
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  )
}
