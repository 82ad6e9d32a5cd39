import quantile from '@stdlib/stats-base-dists-t-quantile'
import cdf from '@stdlib/stats-base-dists-t-cdf'

/** Quantile (inverse CDF) of Student's t with `df` degrees of freedom; NaN for invalid arguments. */
export function tQuantile(p: number, df: number): number {
  return quantile(p, df)
}

/** CDF of Student's t with `df` degrees of freedom; NaN for invalid arguments. */
export function tCdf(x: number, df: number): number {
  return cdf(x, df)
}
