import jstat from 'jstat'

// jStat's Student's t is written for finite df > 0 and valid p; the checks below give the
// documented NaN/±Infinity contract instead of whatever the series produce outside their domain.

/** Quantile (inverse CDF) of Student's t with `df` degrees of freedom; NaN for invalid arguments. */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || Number.isNaN(df) || p < 0 || p > 1 || df <= 0) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  if (p === 0.5) return 0
  if (df === Infinity) return jstat.normal.inv(p, 0, 1)
  // jStat's inverse incomplete beta stops early (~1e-8 relative); two Newton steps against the CDF,
  // in the lower tail where p is exact, bring the quantile to the CDF's own accuracy (~1e-9).
  const lower = Math.min(p, 1 - p)
  let q = jstat.studentt.inv(lower, df)
  for (let i = 0; i < 2; i++) {
    const density = jstat.studentt.pdf(q, df)
    if (!(density > 0)) break
    q -= (jstat.studentt.cdf(q, df) - lower) / density
  }
  return p > 0.5 ? -q : q
}

/** CDF of Student's t with `df` degrees of freedom; NaN for invalid arguments. */
export function tCdf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df) || df <= 0) return NaN
  if (x === -Infinity) return 0
  if (x === Infinity) return 1
  if (df === Infinity) return jstat.normal.cdf(x, 0, 1)
  return jstat.studentt.cdf(x, df)
}

/** Upper tail P(X ≥ x) of chi-square with `df` degrees of freedom; NaN for invalid arguments. */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN
  if (x <= 0) return 1
  if (x === Infinity) return 0
  return 1 - jstat.chisquare.cdf(x, df)
}
